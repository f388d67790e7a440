package file

// WriteParquet is writeParquet for the external certification test.
var WriteParquet = writeParquet
