ARG MY_ARCH=amd64
FROM --platform=linux/${MYARCH:-amd64} scratch AS linux
COPY a /a
