// Command weir is the weir CLI: local platform, images and app lifecycle verbs.
package main

func main() {}
