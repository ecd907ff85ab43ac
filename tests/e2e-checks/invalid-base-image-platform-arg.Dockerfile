ARG BASE
ARG ARM=linux/arm64
FROM --platform=$ARM $BASE AS base
FROM base
COPY a /a
