FROM scratch AS build
COPY a \

  /a
FROM scratch AS build
FROM scratch AS scratch
