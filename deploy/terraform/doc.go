// Package terraform holds no code: its tests check the Terraform in this directory against
// deploy/platform/apps.yaml and weir's profiles (README.md, "Validation: what ran").
package terraform
