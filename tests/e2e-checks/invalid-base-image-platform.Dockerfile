ARG BASE
FROM --platform=linux/arm64 $BASE AS arm64-base
COPY a /a
