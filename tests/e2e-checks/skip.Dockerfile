# check=skip=MaintainerDeprecated,JSONArgsRecommended
FROM scratch
MAINTAINER me
CMD echo
# check=skip=all
ENV A 1
LABEL b c
