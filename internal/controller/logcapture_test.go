package controller_test

import (
	"bytes"
	"os"
	"sync"

	"github.com/go-logr/logr"
	"github.com/go-logr/zapr"
	uberzap "go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
)

// capturedLogs holds every line the operator logs during the suite, at every level, so that
// tests can show what never reaches the logs (secrets).
var capturedLogs = &lockedBuffer{}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// suiteLogger writes to stderr at the suite's level, as before, and to capturedLogs
// everything up to V(7), unsampled: the operator's own lines (info, V(1)) and client-go's
// request lines. Only client-go's wire traces from V(8) on (whole request and response
// bodies, of any Kubernetes client) are left out. The capture encodes whole objects (no
// KubeAwareEncoder), so an object logged in full would show all its fields.
func suiteLogger(level zapcore.Level) logr.Logger {
	enc := uberzap.NewProductionEncoderConfig()
	stderr := zapcore.NewCore(&zap.KubeAwareEncoder{Encoder: zapcore.NewJSONEncoder(enc)}, zapcore.Lock(os.Stderr), level)
	all := zapcore.NewCore(zapcore.NewJSONEncoder(enc), zapcore.AddSync(capturedLogs), uberzap.LevelEnablerFunc(func(l zapcore.Level) bool { return l >= -7 }))
	return zapr.NewLogger(uberzap.New(zapcore.NewTee(stderr, all)))
}
