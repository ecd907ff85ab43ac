# check=error=true
FROM scratch
MAINTAINER me
