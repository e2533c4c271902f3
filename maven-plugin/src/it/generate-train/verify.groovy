// The model was generated where the defaults say, compiled by javac with the project's sources,
// and the project's JUnit test trained it to XOR (the test asserts the outputs within 0.1).
def gen = new File(basedir, 'target/generated-sources/deltac/com/acme/Xor.java')
assert gen.isFile() : "no generated source $gen"
assert gen.text.contains('package com.acme;')
assert gen.text.contains('public final class Xor')
assert new File(basedir, 'target/classes/com/acme/Xor.class').isFile()
assert !new File(basedir, 'target/generated-sources/deltac/com/acme/Xor64.java').exists() : 'float64 is not the default'

def log = new File(basedir, 'build.log').text
assert log.contains('deltac: 1 file(s) generated, 0 up to date; largest method Xor.')
assert log.contains('of 8000 allowed')
assert log.contains('IT-XOR-TRAINED')
assert log.contains('Tests run: 1, Failures: 0, Errors: 0')
assert !log.contains('deltac-compiler') : 'the compiler must not be on the project class path'
return true
