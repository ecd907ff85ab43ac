FROM --platform=linux/arm64 scratch AS build
FROM --platform=linux/amd64 scratch AS amd64-tools
FROM --platform=linux scratch AS linux
COPY --from=build a /a
