package instrument

import (
	"go/types"
	"slices"
	"strings"
)

// The standard library as concviz sees it, in one table. For each package a
// program may name: whether it is used as it is (pure), only through the
// identifiers listed (restricted) or not at all (refused), and, for each
// identifier that needs it, what the rewriter maps it onto in the engine or
// why it is refused. The import and identifier checks (check.go) and the
// rewriter's maps below (pkgFuncs, engineTypes, enginePkgVars,
// engineMethod) are all derived from it; stdlib_test.go type-checks every
// mapping against the engine's source and the standard library.
//
// What is pure: computation that reaches no file, process, signal, network,
// unsafe memory or source of randomness outside the run, and never blocks
// outside the engine.

type pkgStatus uint8

const (
	pure       pkgStatus = iota // every identifier, except those refused by name
	restricted                  // only the identifiers listed (and allowPrefix)
	refusedPkg                  // not even the import
)

type idKind uint8

const (
	idPlain   idKind = iota // used as it is: listing it allows it in a restricted package
	idFunc                  // a function rewritten to engine.<engine>
	idSeeded                // a top-level math/rand function: the method of that name of engine.<engine>()
	idType                  // a type rewritten to engine.<engine>
	idVar                   // a variable rewritten to the positioned writer engine.<engine>At(pos)
	idRefused               // refused by name
)

// posArg is where a mapped function takes the position of its call.
type posArg uint8

const (
	posNone posArg = iota
	posPre         // first argument (the print functions)
	posPost        // last argument
)

// stdID is one identifier of a standard-library package that is mapped,
// refused, or allowed in a restricted package.
type stdID struct {
	name    string
	kind    idKind
	engine  string
	pos     posArg
	methods []string // idType: the methods whose engine version takes a position last; idVar: the methods a program may call
	why     string   // idRefused: why, and what to use instead
}

// stdPkg is what concviz supports of one standard-library package.
type stdPkg struct {
	status      pkgStatus
	why         string   // refusedPkg: why; restricted: a note after the list of what is available
	allowPrefix []string // restricted: identifiers allowed by prefix
	ids         []stdID
}

func plain(names ...string) []stdID {
	ids := make([]stdID, len(names))
	for i, n := range names {
		ids[i] = stdID{name: n, kind: idPlain}
	}
	return ids
}

func fn(name, engine string, pos posArg) []stdID {
	return []stdID{{name: name, kind: idFunc, engine: engine, pos: pos}}
}

func typ(name, engine string, methods ...string) []stdID {
	return []stdID{{name: name, kind: idType, engine: engine, methods: methods}}
}

func no(name, why string) []stdID { return []stdID{{name: name, kind: idRefused, why: why}} }

// seeded maps top-level functions onto the methods of the run's seeded
// generator engine.<accessor>(), which have the same names and signatures.
func seeded(accessor string, names ...string) []stdID {
	ids := make([]stdID, len(names))
	for i, n := range names {
		ids[i] = stdID{name: n, kind: idSeeded, engine: accessor}
	}
	return ids
}

func refuse(why string) stdPkg { return stdPkg{status: refusedPkg, why: why} }

// atomicInts are the integer types sync/atomic has typed values and
// functions for; atomicOps the functions it has for each of them.
var (
	atomicInts = []string{"Int32", "Int64", "Uint32", "Uint64", "Uintptr"}
	atomicOps  = []string{"Add", "Load", "Store", "Swap", "CompareAndSwap"}
)

func atomicIDs() []stdID {
	var ids []stdID
	for _, t := range atomicInts {
		ids = append(ids, typ(t, "AtomicInt["+strings.ToLower(t)+"]", "Load", "Store", "Add", "Swap", "CompareAndSwap", "And", "Or")...)
	}
	ids = slices.Concat(ids,
		typ("Bool", "AtomicBool", "Load", "Store", "Swap", "CompareAndSwap"),
		typ("Value", "AtomicValue", "Load", "Store", "Swap", "CompareAndSwap"),
		typ("Pointer", "AtomicPointer", "Load", "Store", "Swap", "CompareAndSwap"))
	for _, op := range atomicOps {
		for _, t := range atomicInts {
			ids = append(ids, fn(op+t, "Atomic"+op, posPost)...)
		}
	}
	return ids
}

// purePkgs are used unchanged.
var purePkgs = []string{
	"archive/tar", "bufio", "bytes", "cmp", "compress/bzip2", "compress/flate", "compress/gzip",
	"compress/lzw", "compress/zlib", "container/heap", "container/list", "container/ring", "crypto",
	"crypto/aes", "crypto/cipher", "crypto/des", "crypto/hkdf", "crypto/hmac", "crypto/md5",
	"crypto/pbkdf2", "crypto/sha1", "crypto/sha256", "crypto/sha3", "crypto/sha512", "crypto/subtle",
	"encoding", "encoding/ascii85", "encoding/asn1", "encoding/base32", "encoding/base64",
	"encoding/binary", "encoding/csv", "encoding/gob", "encoding/hex", "encoding/json", "encoding/pem",
	"encoding/xml", "errors", "flag", "go/ast", "go/build/constraint", "go/constant", "go/doc/comment",
	"go/format", "go/printer", "go/scanner", "go/token", "go/version", "hash", "hash/adler32",
	"hash/crc32", "hash/crc64", "hash/fnv", "html", "image", "image/color", "image/color/palette",
	"image/draw", "image/gif", "image/jpeg", "image/png", "index/suffixarray", "iter", "maps", "math",
	"math/big", "math/bits", "math/cmplx", "mime/quotedprintable", "net/mail", "net/netip", "net/url",
	"path", "regexp", "regexp/syntax", "slices", "sort", "strconv", "strings", "structs",
	"text/scanner", "text/tabwriter", "unicode", "unicode/utf16", "unicode/utf8", "unique",
}

// stdPkgs are the packages that are not simply pure.
var stdPkgs = map[string]stdPkg{
	// Pure, with identifiers mapped onto the engine or refused.
	"fmt": {ids: slices.Concat(
		fn("Println", "Println", posPre), fn("Printf", "Printf", posPre), fn("Print", "Print", posPre),
		no("Scan", "it reads standard input, which a run does not have: give the input in the program"),
		no("Scanf", "it reads standard input, which a run does not have: give the input in the program"),
		no("Scanln", "it reads standard input, which a run does not have: give the input in the program"))},
	"io": {ids: no("Pipe", "io.Pipe blocks outside the engine: use a channel, or a bytes.Buffer")},
	"time": {ids: slices.Concat(
		fn("Sleep", "Sleep", posPost), fn("Now", "Now", posNone), fn("Since", "Since", posNone),
		fn("Until", "Until", posNone), fn("After", "After", posPost), fn("Tick", "Tick", posPost),
		fn("NewTimer", "NewTimer", posPost), fn("NewTicker", "NewTicker", posPost),
		fn("AfterFunc", "AfterFunc", posPost),
		typ("Timer", "Timer", "Stop", "Reset"), typ("Ticker", "Ticker", "Stop", "Reset"),
		no("LoadLocation", "it reads the time zone database from files: use time.UTC or time.FixedZone"))},
	"math/rand": {ids: seeded("MathRand", "ExpFloat64", "Float32", "Float64", "Int", "Int31", "Int31n",
		"Int63", "Int63n", "Intn", "NormFloat64", "Perm", "Read", "Seed", "Shuffle", "Uint32", "Uint64")},
	"math/rand/v2": {ids: slices.Concat(
		seeded("MathRandV2", "ExpFloat64", "Float32", "Float64", "Int", "Int32", "Int32N", "Int64",
			"Int64N", "IntN", "NormFloat64", "Perm", "Shuffle", "Uint", "Uint32", "Uint32N", "Uint64",
			"Uint64N", "UintN"),
		fn("N", "RandN", posNone))},
	"path/filepath": {ids: slices.Concat(
		no("Walk", "it reads directories: filepath.Join, Split, Base, Dir, Ext, Clean, Rel and Match work on names without touching files"),
		no("WalkDir", "it reads directories: filepath.Join, Split, Base, Dir, Ext, Clean, Rel and Match work on names without touching files"),
		no("Glob", "it reads directories: filepath.Match matches a name against a pattern without touching files"),
		no("Abs", "it reads the working directory: filepath.IsAbs, Join and Clean work on names alone"),
		no("EvalSymlinks", "it reads the file system: filepath.Clean works on names alone"))},
	"archive/zip": {ids: no("OpenReader", "it opens a file: zip.NewReader reads an archive from memory")},

	// Restricted: the concurrency packages the engine implements, and the
	// corners of os, runtime and net/http a program needs.
	"sync": {status: restricted, why: "the rest of sync is not supported by the engine", ids: slices.Concat(
		typ("Mutex", "Mutex", "Lock", "Unlock", "TryLock"),
		typ("RWMutex", "RWMutex", "Lock", "Unlock", "TryLock", "RLock", "RUnlock", "TryRLock"),
		typ("WaitGroup", "WaitGroup", "Add", "Done", "Wait", "Go"), typ("Once", "Once", "Do"),
		typ("Cond", "Cond", "Wait", "Signal", "Broadcast"), typ("Locker", "Locker", "Lock", "Unlock"),
		fn("NewCond", "NewCond", posNone), fn("OnceFunc", "OnceFunc", posNone),
		fn("OnceValue", "OnceValue", posNone), fn("OnceValues", "OnceValues", posNone),
		plain("Map", "Pool"))},
	"sync/atomic": {status: restricted, why: "pointer and unsafe operations are not supported by the engine", ids: atomicIDs()},
	"context": {status: restricted, why: "the rest of context (AfterFunc) is not supported by the engine", ids: slices.Concat(
		typ("Context", "Context"),
		fn("Background", "Background", posNone), fn("TODO", "TODO", posNone),
		fn("WithCancel", "WithCancel", posPost), fn("WithTimeout", "WithTimeout", posPost),
		fn("WithDeadline", "WithDeadline", posPost), fn("WithCancelCause", "WithCancelCause", posPost),
		fn("WithTimeoutCause", "WithTimeoutCause", posPost), fn("WithDeadlineCause", "WithDeadlineCause", posPost),
		fn("WithValue", "WithValue", posNone), fn("WithoutCancel", "WithoutCancel", posNone),
		fn("Cause", "Cause", posNone),
		plain("Canceled", "DeadlineExceeded", "CancelFunc", "CancelCauseFunc"))},
	"os": {status: restricted, why: "no files, environment or processes", ids: slices.Concat(
		fn("Exit", "Exit", posPost), plain("Args"),
		[]stdID{{name: "Stdout", kind: idVar, engine: "Stdout", methods: []string{"Write", "WriteString", "Sync"}},
			{name: "Stderr", kind: idVar, engine: "Stderr", methods: []string{"Write", "WriteString", "Sync"}}})},
	"runtime": {status: restricted, why: "the engine schedules the goroutines", ids: slices.Concat(
		fn("Gosched", "Gosched", posPost), fn("NumGoroutine", "NumGoroutine", posNone),
		fn("GOMAXPROCS", "GOMAXPROCS", posNone), fn("Goexit", "Goexit", posPost),
		plain("GC", "NumCPU", "GOOS", "GOARCH", "Version", "KeepAlive", "Error", "LockOSThread", "UnlockOSThread"))},
	"net/http": {status: restricted, why: "http.Get runs on the engine's simulated internet", allowPrefix: []string{"Status", "Method"},
		ids: slices.Concat(fn("Get", "HTTPGet", posPost), plain("Response", "Header", "StatusText"))},

	// Refused: each reaches outside the run, or would show concviz instead of Go.
	"C":                 refuse("cgo is not supported"),
	"crypto/rand":       refuse("it reads the operating system's randomness: use math/rand/v2, which concviz seeds from the run's seed"),
	"crypto/ecdh":       refuse("its keys come from the operating system's randomness: use a hash such as crypto/sha256"),
	"crypto/ecdsa":      refuse("its keys come from the operating system's randomness: use a hash such as crypto/sha256"),
	"crypto/ed25519":    refuse("its keys come from the operating system's randomness: use a hash such as crypto/sha256"),
	"crypto/rsa":        refuse("its keys come from the operating system's randomness: use a hash such as crypto/sha256"),
	"crypto/tls":        refuse("it opens network connections (only http.Get is simulated)"),
	"crypto/x509":       refuse("it reads the system's certificates"),
	"database/sql":      refuse("it talks to a database outside the program: keep the data in a map guarded by a sync.Mutex"),
	"embed":             refuse("//go:embed reads files beside the program, which a run does not have"),
	"expvar":            refuse("it publishes variables over HTTP: print them with fmt.Println"),
	"go/build":          refuse("it reads packages from files"),
	"go/importer":       refuse("it reads compiled packages from files"),
	"go/parser":         refuse("it reads files when given no source: use go/scanner for tokens"),
	"hash/maphash":      refuse("its seeds are random in every process, so a run would not repeat: use hash/fnv"),
	"html/template":     refuse("templates read files and call methods by reflection, past the engine: use fmt.Sprintf"),
	"io/fs":             refuse("it does file I/O"),
	"io/ioutil":         refuse("it does file I/O"),
	"log":               refuse("log stamps lines with the machine's clock and exits behind the engine's back: use fmt.Println, fmt.Fprintln(os.Stderr, ...) and os.Exit(1)"),
	"log/slog":          refuse("slog stamps records with the machine's clock: use fmt.Println or fmt.Fprintln(os.Stderr, ...)"),
	"log/syslog":        refuse("it writes to the system log"),
	"mime":              refuse("it reads the system's MIME tables from files"),
	"mime/multipart":    refuse("it spills large forms to temporary files"),
	"net":               refuse("it reaches the network (only http.Get is simulated)"),
	"net/http/httptest": refuse("it opens real network listeners (only http.Get is simulated)"),
	"os/exec":           refuse("it runs other programs"),
	"os/signal":         refuse("it receives signals from the operating system: cancel with a context or close a channel"),
	"os/user":           refuse("it reads the system's user database"),
	"plugin":            refuse("it loads code at run time"),
	"reflect":           refuse("reflection is not supported: it would show the engine's types behind channels, sync and time"),
	"runtime/debug":     refuse("it reads and changes the real runtime, which the engine stands in for"),
	"runtime/pprof":     refuse("it profiles the real runtime, which the engine stands in for"),
	"runtime/trace":     refuse("it traces the real runtime: concviz's own log is the trace"),
	"syscall":           refuse("it calls the operating system"),
	"testing":           refuse("tests are not programs: call the code from main"),
	"testing/synctest":  refuse("tests are not programs; the engine already runs every goroutine on a virtual clock"),
	"text/template":     refuse("templates read files and call methods by reflection, past the engine: use fmt.Sprintf"),
	"unsafe":            refuse("it breaks the type system"),
	"weak":              refuse("weak pointers depend on when the real garbage collector runs, so a run would not repeat"),
}

// unlistedWhy says why a standard-library package outside the table is refused.
func unlistedWhy(path string) string {
	switch {
	case path == "net" || strings.HasPrefix(path, "net/"):
		return "it reaches the network (only http.Get is simulated)"
	case strings.HasPrefix(path, "os/"), strings.HasPrefix(path, "debug/"):
		return "it reaches the operating system or files"
	case strings.HasPrefix(path, "testing/"):
		return "tests are not programs: call the code from main"
	}
	return "concviz runs the standard library's pure packages (strings, sort, encoding/json, ...), its concurrency packages (sync, sync/atomic, time, context) and fmt"
}

// stdPackage returns what concviz supports of the standard-library package
// path; ok is false for a package outside the table.
func stdPackage(path string) (stdPkg, bool) {
	if p, ok := stdPkgs[path]; ok {
		return p, true
	}
	if slices.Contains(purePkgs, path) {
		return stdPkg{status: pure}, true
	}
	return stdPkg{}, false
}

// stdIDs indexes every listed identifier by "path.Name".
var stdIDs = func() map[string]stdID {
	m := map[string]stdID{}
	for path, p := range stdPkgs {
		for _, id := range p.ids {
			m[path+"."+id.name] = id
		}
	}
	return m
}()

// The rewriter's maps, by "path.Name".
var (
	pkgFuncs      = stdMap(func(id stdID) (stdID, bool) { return id, id.kind == idFunc || id.kind == idSeeded })
	engineTypes   = stdMap(func(id stdID) (string, bool) { return id.engine, id.kind == idType })
	enginePkgVars = stdMap(func(id stdID) (string, bool) { return id.engine, id.kind == idVar })
)

func stdMap[V any](pick func(stdID) (V, bool)) map[string]V {
	m := map[string]V{}
	for k, id := range stdIDs {
		if v, ok := pick(id); ok {
			m[k] = v
		}
	}
	return m
}

// engineExpr is the engine expression a mapped function is rewritten to,
// without the engine's import name.
func (id stdID) engineExpr() string {
	if id.kind == idSeeded {
		return id.engine + "()." + id.name
	}
	return id.engine
}

// allows reports whether a restricted package allows name.
func (p stdPkg) allows(name string) bool {
	if slices.ContainsFunc(p.ids, func(id stdID) bool { return id.name == name && id.kind != idRefused }) {
		return true
	}
	return slices.ContainsFunc(p.allowPrefix, func(pre string) bool { return strings.HasPrefix(name, pre) })
}

// available lists what a restricted package offers, for a refusal: "only
// os.Exit, os.Args, os.Stdout and os.Stderr are available: no files, ...".
func (p stdPkg) available(pkgName string) string {
	var names []string
	for _, id := range p.ids {
		if id.kind != idRefused {
			names = append(names, pkgName+"."+id.name)
		}
	}
	for _, pre := range p.allowPrefix {
		names = append(names, pkgName+"."+pre+"*")
	}
	verb := "are"
	list := names[0]
	if len(names) == 1 {
		verb = "is"
	} else {
		list = strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
	}
	return "only " + list + " " + verb + " available: " + p.why
}

// engineMethod reports whether fn is a method of a type the engine replaces
// whose engine version takes a position.
func engineMethod(fn *types.Func) bool {
	if fn.Pkg() == nil {
		return false
	}
	sig := fn.Type().(*types.Signature)
	if sig.Recv() == nil {
		return false
	}
	rt := sig.Recv().Type()
	if p, ok := rt.(*types.Pointer); ok {
		rt = p.Elem()
	}
	n, ok := types.Unalias(rt).(*types.Named)
	if !ok {
		return false
	}
	id, ok := stdIDs[fn.Pkg().Path()+"."+n.Obj().Name()]
	return ok && id.kind == idType && slices.Contains(id.methods, fn.Name())
}
