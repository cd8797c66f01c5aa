// compare: exact
// category: new: os.Stdout methods
//
// Writing to os.Stdout through its own methods, as programs that avoid fmt
// do; Go prints each line.
package main

import "os"

func main() {
	os.Stdout.WriteString("WriteString\n")
	os.Stdout.Write([]byte("Write\n"))
	os.Stdout.Sync()
}
