FROM scratch as one
from scratch AS two
FROM scratch AS three
