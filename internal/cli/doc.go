// Package cli holds the cobra commands of the weir CLI, one file per verb group.
package cli
