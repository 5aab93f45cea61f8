// Package artifact downloads session-job jars under the operator's Policy: https (http only
// when allowed), never the operator's own files, never loopback, link-local or metadata
// addresses, private ranges only where the operator allows them; size-, time- and
// idle-bounded.
package artifact
