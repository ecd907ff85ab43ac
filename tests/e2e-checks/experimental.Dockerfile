# check=experimental=InvalidDefinitionDescription
# build the build stage
FROM scratch AS build
# wrong words
ARG VALUE=1
# ONE first
ARG ONE TWO

FROM scratch AS final
# comment that is no description
ARG LAST
