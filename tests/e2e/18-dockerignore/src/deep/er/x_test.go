dt
