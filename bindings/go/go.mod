module devaddr.local/bindings/go

go 1.19
