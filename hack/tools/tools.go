//go:build tools

package tools

import (
	_ "github.com/go-logr/logr"
	_ "github.com/google/go-containerregistry/pkg/v1/mutate"
	_ "github.com/spf13/cobra"
	_ "golang.org/x/mod/modfile"
	_ "k8s.io/api/core/v1"
	_ "k8s.io/apimachinery/pkg/apis/meta/v1"
	_ "k8s.io/client-go/kubernetes"
	_ "sigs.k8s.io/controller-runtime"
	_ "sigs.k8s.io/controller-runtime/pkg/envtest"
	_ "sigs.k8s.io/yaml"
	_ "github.com/aws/aws-sdk-go-v2/service/s3"
	_ "github.com/aws/aws-sdk-go-v2/config"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "go.uber.org/zap"
)
