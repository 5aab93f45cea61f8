// Package profile computes an app's effective spec under a FlinkProfile: the profile's
// defaults fill what the app leaves unset, its enforced settings win, and an app that sets
// an enforced setting to another value is an error naming the key and the profile. Pure:
// values in, values out; the app given is never modified (docs/profiles.md).
package profile
