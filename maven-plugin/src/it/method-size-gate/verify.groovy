// With the limit at 400 bytes XOR's larger methods are refused: one error line per method,
// the build fails, and nothing is written.
def log = new File(basedir, 'build.log').text
def file = new File(basedir, 'src/main/deltac/gate/xor.nn').canonicalPath
assert log =~ /\[ERROR\] \Q${file}\E: error: generated method Xor\.\S+ has \d+ bytecode bytes, over the limit of 400/
assert log.contains('1 file(s) with a generated method over 400 bytecode bytes')
assert log.contains('BUILD FAILURE')
assert !new File(basedir, 'target/generated-sources/deltac/gate/Xor.java').exists()
return true
