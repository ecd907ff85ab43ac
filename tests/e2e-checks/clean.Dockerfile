FROM scratch AS base
COPY a /a

FROM base
ENV A=1
CMD ["/a"]
