ARG BASE
FROM ${BASE%:*}:bookworm AS base
FROM base
