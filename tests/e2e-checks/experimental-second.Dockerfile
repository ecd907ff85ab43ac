# check=experimental=InvalidDefinitionDescription
# base image
FROM scratch AS base
# Version to use
ARG VERSION=1

# the final stage
FROM base AS final
