package flinkdist

import (
	"archive/zip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

const stateMachineClass = "org.apache.flink.streaming.examples.statemachine.StateMachineExample"

// keepForStateMachine selects the entries of flink-examples-streaming.jar that make up
// StateMachineExample.jar: its package and the license files.
func keepForStateMachine(name string) bool {
	return strings.HasPrefix(name, "org/apache/flink/streaming/examples/statemachine/") ||
		name == "META-INF/LICENSE" || name == "META-INF/NOTICE"
}

func stateMachineManifest() string {
	return "Manifest-Version: 1.0\r\nMain-Class: " + stateMachineClass +
		"\r\nprogram-class: " + stateMachineClass + "\r\n\r\n"
}

// buildStateMachineJar writes StateMachineExample.jar from the main examples jar. Its
// Kafka source is only used with --kafka-topic, so the jar runs without the connector.
func buildStateMachineJar(mainJar, dst string) error {
	zr, err := zip.OpenReader(mainJar)
	if err != nil {
		return fmt.Errorf("%s: %w", mainJar, err)
	}
	defer zr.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(out)
	w, err := zw.Create("META-INF/MANIFEST.MF")
	if err == nil {
		_, err = io.WriteString(w, stateMachineManifest())
	}
	found := false
	for _, f := range zr.File {
		if err != nil {
			break
		}
		if !keepForStateMachine(f.Name) || strings.HasSuffix(f.Name, "/") {
			continue
		}
		if f.Name == strings.ReplaceAll(stateMachineClass, ".", "/")+".class" {
			found = true
		}
		err = zw.Copy(f)
	}
	if cerr := zw.Close(); err == nil {
		err = cerr
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil && !found {
		err = fmt.Errorf("%s does not contain %s", mainJar, stateMachineClass)
	}
	if err != nil {
		os.Remove(dst)
	}
	return err
}
