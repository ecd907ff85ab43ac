FROM scratch AS Build
COPY a /a
FROM scratch AS tools_X
