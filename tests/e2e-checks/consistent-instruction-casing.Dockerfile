FROM scratch
copy a /a
COPY a /b
Copy a /c
workdir /w
