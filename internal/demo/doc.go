// Package demo holds the steps of `weir demo` and `make run`: cluster, images, operator, manifest, wait; the e2e suite reuses them.
package demo
