// A tiny Go-client exporter for promlet's end-to-end native-histogram test: one native
// histogram (bucket factor 1.1, i.e. schema 3) with fixed observations, one classic histogram
// and one counter, served by promhttp on the 127.0.0.1 port given as the only argument.
// Built offline in GOPATH mode against Debian's golang-github-prometheus-client-golang-dev.
package main

import (
	"log"
	"net/http"
	"os"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

func main() {
	reg := prometheus.NewRegistry()
	native := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:                        "e2e_native_seconds",
		Help:                        "A native histogram with fixed observations.",
		NativeHistogramBucketFactor: 1.1,
	})
	classic := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "e2e_classic_seconds",
		Help:    "A classic histogram with fixed observations.",
		Buckets: []float64{0.1, 1, 10},
	})
	counter := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "e2e_requests_total",
		Help: "A counter.",
	})
	reg.MustRegister(native, classic, counter)
	for _, v := range []float64{0, 0.05, 0.5, 0.5, 1.5, 3, 42, -2} {
		native.Observe(v)
		classic.Observe(v)
	}
	counter.Add(7)
	http.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	log.Fatal(http.ListenAndServe("127.0.0.1:"+os.Args[1], nil))
}
