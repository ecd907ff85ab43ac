# check=experimental=all
FROM scratch AS base
COPY a b/ /x/
COPY --from=base /x /y
ADD ./logs/app.log /
