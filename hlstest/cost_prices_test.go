package hlstest_test

import (
	"fmt"
	"io"
	"time"
)

// Prices for the cost model: published on-demand list prices, US East (N.
// Virginia) for Lambda and S3, United States edge locations for CloudFront,
// without free tiers, savings plans or volume tiers. Read on 2026-11-24.
// "confirmed" means the figure was read on the AWS page or AWS document
// named; "unverified" means it was seen only on third-party pages that
// quote the AWS page, not on AWS's own.
var costPrices = []costPrice{
	{Item: "CloudFront HTTPS requests", USD: 0.0100, Per: 10_000, Unit: "requests",
		Source: "https://aws.amazon.com/cloudfront/pricing/ (United States)",
		Status: "unverified: quoted by third-party pages; the AWS page's request table was not readable"},
	{Item: "Lambda requests", USD: 0.20, Per: 1_000_000, Unit: "requests",
		Source: "https://aws.amazon.com/lambda/pricing/; AWS whitepaper How AWS Pricing Works, Lambda",
		Status: "confirmed"},
	{Item: "Lambda duration (x86)", USD: 0.0000166667, Per: 1, Unit: "GB-second",
		Source: "https://aws.amazon.com/lambda/pricing/ ($0.00001667 per GB-s in its examples)",
		Status: "confirmed"},
	{Item: "Lambda@Edge requests", USD: 0.60, Per: 1_000_000, Unit: "requests",
		Source: "https://aws.amazon.com/cloudfront/pricing/ (Lambda@Edge)",
		Status: "unverified: quoted by third-party pages only"},
	{Item: "Lambda@Edge duration", USD: 0.00005001, Per: 1, Unit: "GB-second",
		Source: "https://aws.amazon.com/cloudfront/pricing/ (Lambda@Edge)",
		Status: "unverified: quoted by third-party pages only"},
	{Item: "S3 Standard GET requests", USD: 0.0004, Per: 1_000, Unit: "requests",
		Source: "https://aws.amazon.com/s3/pricing/",
		Status: "unverified: quoted by third-party pages; the AWS page's request table was not readable"},
	{Item: "CloudFront data transfer out, first 10 TB", USD: 0.085, Per: 1, Unit: "GB",
		Source: "https://aws.amazon.com/cloudfront/pricing/ (United States, Mexico, and Canada)",
		Status: "confirmed; origin fetches from S3 and other AWS origins are free (same page)"},
}

// costPricesDate is when the prices above were read.
const costPricesDate = "2026-11-24"

// The duration model: every Lambda (regional or @Edge) has 128 MB and runs
// costBaseMillis per invocation plus costSignMillis per signature, the time
// one RSA-2048 PKCS#1 v1.5 signature takes on one full core (about 1.9 ms
// measured on the machine this was written on). At 128 MB a Lambda gets a
// fraction of a vCPU, so signing-heavy invocations are underestimated: the
// model favours the designs that sign most.
const (
	costMemoryGB   = 128.0 / 1024
	costBaseMillis = 20.0
	costSignMillis = 2.0
)

type costPrice struct {
	Item   string
	USD    float64 // for Per units
	Per    float64
	Unit   string
	Source string
	Status string
}

// unit returns the price of one unit.
func (p costPrice) unit() float64 { return p.USD / p.Per }

func costPriceOf(item string) float64 {
	for _, p := range costPrices {
		if p.Item == item {
			return p.unit()
		}
	}
	panic("no price for " + item)
}

// costBill is what one design costs, in dollars, by line.
type costBill struct {
	CloudFront, Lambda, Edge, S3 float64
	Transfer                     float64 // shown apart: not in Total
}

func (b costBill) Total() float64 { return b.CloudFront + b.Lambda + b.Edge + b.S3 }

// bill prices a design's counters.
func (r costResult) bill() costBill {
	gbs := func(invocations, signatures int64) float64 {
		ms := float64(invocations)*costBaseMillis + float64(signatures)*costSignMillis
		return ms / 1000 * costMemoryGB
	}
	var b costBill
	b.CloudFront = float64(r.CloudFrontRequests) * costPriceOf("CloudFront HTTPS requests")
	regional := r.SignCalls
	regionalSigs := r.EndpointSignatures
	if r.Edge {
		b.Edge = float64(r.PlaylistInvocations)*costPriceOf("Lambda@Edge requests") +
			gbs(r.PlaylistInvocations, r.OriginSignatures)*costPriceOf("Lambda@Edge duration")
	} else {
		regional += r.PlaylistInvocations
		regionalSigs += r.OriginSignatures
	}
	b.Lambda = float64(regional)*costPriceOf("Lambda requests") +
		gbs(regional, regionalSigs)*costPriceOf("Lambda duration (x86)")
	b.S3 = float64(r.S3Gets) * costPriceOf("S3 Standard GET requests")
	b.Transfer = float64(r.ViewerBytes) / 1e9 * costPriceOf("CloudFront data transfer out, first 10 TB")
	return b
}

// printPrices writes the price table in markdown.
func printPrices(w io.Writer) {
	fmt.Fprintf(w, "Prices (read %s; US East / United States, no free tier):\n\n", costPricesDate)
	fmt.Fprintln(w, "| item | price | source | status |")
	fmt.Fprintln(w, "|---|---|---|---|")
	for _, p := range costPrices {
		fmt.Fprintf(w, "| %s | $%g per %s %s | %s | %s |\n", p.Item, p.USD, costCount(int64(p.Per)), p.Unit, p.Source, p.Status)
	}
	fmt.Fprintf(w, "\nLambda duration model: %.0f MB, %.0f ms per invocation + %.0f ms per RSA-2048 signature (a lower bound at 128 MB).\n",
		costMemoryGB*1024, costBaseMillis, costSignMillis)
}

// costCount formats n with thousands separators.
func costCount(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + costCount(-n)
	}
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// costBytes formats a byte count in MB or GB.
func costBytes(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.2f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.1f kB", float64(n)/1e3)
}

// costDuration formats a simulated duration in minutes.
func costDuration(d time.Duration) string { return fmt.Sprintf("%g min", d.Minutes()) }
