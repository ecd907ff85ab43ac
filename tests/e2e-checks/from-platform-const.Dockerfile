FROM --platform=linux/amd64 scratch
COPY a /a
