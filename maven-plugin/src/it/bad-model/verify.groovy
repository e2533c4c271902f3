// Each diagnostic of the bad file is a Maven error line FILE:LINE:COL: error: MESSAGE [CODE],
// followed by its source line and caret; the good file beside it is still generated.
def log = new File(basedir, 'build.log').text
def file = new File(basedir, 'src/main/deltac/shapes/broken.nn').canonicalPath
def expect = [
  "[ERROR] ${file}:12:21: error: matrix product `@` of [1, 3] and [4]: inner dimensions 3 and 4 differ [E301]",
  "[ERROR] ${file}:13:15: error: undefined name `hiden` [E201]",
  '  z    = tanh(hiden)',
  '              ^',
  'deltac: 1 .nn file(s) with errors; see the errors above',
  'BUILD FAILURE',
]
for (e in expect) assert log.contains(e.toString()) : "build.log lacks: $e"
assert new File(basedir, 'target/generated-sources/deltac/shapes/Fine.java').isFile()
assert !new File(basedir, 'target/generated-sources/deltac/shapes/Broken.java').exists()
return true
