package aql

import "strings"

// FuncKind classifies a documented AQL function.
type FuncKind int

const (
	ScalarFunc    FuncKind = iota + 1 // evaluated per row
	AggregateFunc                     // aggregates rows (GROUP BY)
)

// functions is the table of documented QRadar AQL functions, upper-case.
// Source: research note §1.6 (IBM "data retrieval", "calculation and
// formatting" and "aggregate" function pages), cross-checked with the corpus
// (every function used by the IBM-written corpus queries is listed). Confirm
// per console with GET /api/ariel/functions?database=events.
var functions = map[string]FuncKind{
	// Data retrieval functions.
	"APPLICATIONNAME":         ScalarFunc,
	"ASSETHOSTNAME":           ScalarFunc,
	"ASSETPROPERTY":           ScalarFunc,
	"ASSETUSER":               ScalarFunc,
	"CATEGORYNAME":            ScalarFunc,
	"DOMAINNAME":              ScalarFunc,
	"HOSTNAME":                ScalarFunc,
	"INCIDR":                  ScalarFunc,
	"INOFFENSE":               ScalarFunc,
	"LOGSOURCENAME":           ScalarFunc,
	"LOGSOURCEGROUPNAME":      ScalarFunc,
	"LOGSOURCETYPENAME":       ScalarFunc,
	"MATCHESASSETSEARCH":      ScalarFunc,
	"NETWORKNAME":             ScalarFunc,
	"FULLNETWORKNAME":         ScalarFunc,
	"OFFENSE_TIME":            ScalarFunc,
	"PROCESSORNAME":           ScalarFunc,
	"PROTOCOLNAME":            ScalarFunc,
	"QIDNAME":                 ScalarFunc,
	"QIDDESCRIPTION":          ScalarFunc,
	"REFERENCEMAP":            ScalarFunc,
	"REFERENCEMAPSETCONTAINS": ScalarFunc,
	"REFERENCETABLE":          ScalarFunc,
	"REFERENCESETCONTAINS":    ScalarFunc,
	"RULENAME":                ScalarFunc,
	"ARIELSERVERS4EPID":       ScalarFunc,
	"ARIELSERVERS4EPNAME":     ScalarFunc,
	"COMPONENTID":             ScalarFunc,
	"GLOBALVIEW":              ScalarFunc,

	// Calculation and formatting functions.
	"BASE64":         ScalarFunc,
	"CONCAT":         ScalarFunc,
	"DATEFORMAT":     ScalarFunc,
	"DOUBLE":         ScalarFunc,
	"LONG":           ScalarFunc,
	"LOWER":          ScalarFunc,
	"UPPER":          ScalarFunc,
	"STR":            ScalarFunc,
	"STRLEN":         ScalarFunc,
	"STRPOS":         ScalarFunc,
	"SUBSTRING":      ScalarFunc,
	"UTF8":           ScalarFunc,
	"NOW":            ScalarFunc,
	"PARSEDATETIME":  ScalarFunc,
	"PARSETIMESTAMP": ScalarFunc,
	"REPLACEALL":     ScalarFunc,
	"REPLACEFIRST":   ScalarFunc,

	// Aggregate functions.
	"AVG":           AggregateFunc,
	"COUNT":         AggregateFunc,
	"DISTINCTCOUNT": AggregateFunc,
	"FIRST":         AggregateFunc,
	"LAST":          AggregateFunc,
	"MIN":           AggregateFunc,
	"MAX":           AggregateFunc,
	"STDEV":         AggregateFunc,
	"SUM":           AggregateFunc,
	"UNIQUECOUNT":   AggregateFunc,
}

// geoFunctions are the documented functions of the GEO:: namespace.
var geoFunctions = map[string]bool{
	"LOOKUP":             true,
	"DISTANCE":           true,
	"LOOKUP_BY_DOMAIN":   true,
	"DISTANCE_BY_DOMAIN": true,
	"LOOKUP_TEXT":        true,
	"DISTANCE_TEXT":      true,
}

// LookupFunc reports whether the (possibly namespaced) function is a
// documented QRadar function and of which kind. ns is "" for a plain function;
// names are case-insensitive.
func LookupFunc(ns, name string) (FuncKind, bool) {
	if ns != "" {
		if strings.EqualFold(ns, "GEO") && geoFunctions[strings.ToUpper(name)] {
			return ScalarFunc, true
		}
		return 0, false
	}
	k, ok := functions[strings.ToUpper(name)]
	return k, ok
}

// arity is the argument count of documented functions whose signature is
// fixed: INCIDR('cidr', ip) and REFERENCESETCONTAINS('set', value) (IBM
// "data retrieval functions" and "CIDR IP addresses" pages), LONG(x) and
// DOUBLE(x) (IBM "calculation and formatting functions"), and the one-value
// string helpers. Functions with optional or variadic arguments are absent.
var arity = map[string]int{
	"INCIDR":               2,
	"REFERENCESETCONTAINS": 2,
	"LONG":                 1,
	"DOUBLE":               1,
	"STRLEN":               1,
	"LOWER":                1,
	"UPPER":                1,
	"UTF8":                 1,
	"BASE64":               1,
	"NOW":                  0,
}

// FuncArity returns the fixed argument count of a plain (not namespaced)
// function, if it has one.
func FuncArity(name string) (int, bool) {
	n, ok := arity[strings.ToUpper(name)]
	return n, ok
}
