package datadogintake

import (
	"bytes"
	"crypto/sha1" //nolint:gosec // the JKS format's integrity check is SHA-1 by definition
	"encoding/binary"
	"time"
	"unicode/utf16"
)

// jksTrustStore encodes a certificate (DER) as a Java KeyStore of one trusted-certificate
// entry, the format every JVM reads as a trust store (javax.net.ssl.trustStore with
// trustStoreType JKS). A PKCS#12 trust store would need Java's private "trusted key usage"
// attribute; JKS is simpler and needs no dependency.
func jksTrustStore(password, alias string, der []byte, now time.Time) []byte {
	var b bytes.Buffer
	w := func(v any) { _ = binary.Write(&b, binary.BigEndian, v) }
	utf := func(s string) { w(uint16(len(s))); b.WriteString(s) } // ASCII aliases only
	w(uint32(0xFEEDFEED))
	w(uint32(2))
	w(uint32(1))
	w(uint32(2)) // a trusted certificate
	utf(alias)
	w(now.UnixMilli())
	utf("X.509")
	w(uint32(len(der)))
	b.Write(der)
	h := sha1.New() //nolint:gosec // see above
	for _, c := range utf16.Encode([]rune(password)) {
		_ = binary.Write(h, binary.BigEndian, c)
	}
	h.Write([]byte("Mighty Aphrodite"))
	h.Write(b.Bytes())
	b.Write(h.Sum(nil))
	return b.Bytes()
}
