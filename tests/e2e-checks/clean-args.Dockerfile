ARG VERSION=1
FROM --platform=$BUILDPLATFORM scratch AS build
ARG VERSION
ENV V=$VERSION
COPY a$VERSION /a

FROM scratch
COPY --from=build /a /a
