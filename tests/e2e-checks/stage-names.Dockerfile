FROM scratch AS a
FROM scratch AS a
FROM scratch AS scratch
FROM scratch AS context
