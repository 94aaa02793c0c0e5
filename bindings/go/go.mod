module github.com/devaddr/devaddr/bindings/go

go 1.19
