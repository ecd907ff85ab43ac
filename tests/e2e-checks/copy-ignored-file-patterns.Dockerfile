# check=experimental=all
FROM scratch AS base
COPY a b/ /x/
ADD ./logs/app.log /

FROM base
COPY --from=base /x /y
