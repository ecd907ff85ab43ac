FROM --platform=${TARGETPLATFORM} scratch AS build
FROM --platform=$BUILDPLATFORM scratch AS tools
COPY --from=build a /a
