FROM scratch AS s
SHELL ["/bin/sh", "-c"]
FROM s
CMD echo fine with a shell
