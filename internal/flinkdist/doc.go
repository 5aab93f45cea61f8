// Package flinkdist assembles Flink binary distributions from PyPI and Maven Central into the weir cache.
package flinkdist
