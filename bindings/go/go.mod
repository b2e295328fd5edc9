module rnats.local/natsgo

go 1.19
