// Package e2e holds end-to-end tests against real components; they run only with WEIR_E2E=1.
package e2e
