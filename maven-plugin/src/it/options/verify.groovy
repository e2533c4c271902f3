def gen = new File(basedir, 'target/gen/org/example/nets')
for (n in ['Xor', 'Xor64', 'Other', 'Other64']) {
  assert new File(gen, n + '.java').isFile() : "no $n.java"
  assert new File(basedir, "target/classes/org/example/nets/${n}.class").isFile() : "no $n.class"
}
assert new File(gen, 'Xor64.java').text.contains('double[]')
assert gen.list().length == 4 : "unexpected outputs: ${gen.list()}"
assert !new File(basedir, 'target/generated-sources/deltac').exists()
assert new File(basedir, 'target/classes/org/example/app/App.class').isFile()
return true
