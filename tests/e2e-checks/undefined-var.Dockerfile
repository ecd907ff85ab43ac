ARG BASE
FROM $BASE
COPY a$foo /
ARG foo=bar
ENV PATH=$PAHT:/tmp/bin
RUN echo $foo $undefined_in_run_is_fine
