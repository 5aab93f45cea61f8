// Package install installs and upgrades weir's Helm charts into a cluster with the Helm SDK,
// the same way `helm upgrade --install` would.
package install
