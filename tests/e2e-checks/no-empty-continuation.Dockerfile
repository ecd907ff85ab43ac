FROM scratch
COPY a \

  /a
ENV A=1 \

    B=2
