FROM scratch
MAINTAINER someone@example.com
ENV PATH /bin
LABEL org.example.a b
LABEL c=d
