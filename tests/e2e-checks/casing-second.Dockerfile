from scratch as Builder
copy a /a
FROM scratch as final
copy --from=builder /a /b
