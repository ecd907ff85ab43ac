ARG tag=latest
FROM scratch${version} AS b
COPY a /a

FROM --platform=${BUILDPLATFRM:-linux/amd64} scratch AS linux-tools
COPY a /a
