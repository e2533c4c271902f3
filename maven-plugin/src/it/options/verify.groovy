def gen = new File(basedir, 'target/gen/org/example/nets')
for (n in ['Xor', 'Xor64', 'Other', 'Other64', 'Extra']) {
  assert new File(gen, n + '.java').isFile() : "no $n.java"
  assert new File(basedir, "target/classes/org/example/nets/${n}.class").isFile() : "no $n.class"
}
assert new File(gen, 'Xor64.java').text.contains('double[]')
assert gen.list().length == 5 : "unexpected outputs: ${gen.list()}"
assert !new File(basedir, 'target/generated-sources/deltac').exists()
assert new File(basedir, 'target/classes/org/example/app/App.class').isFile()
// one state file per execution
assert new File(basedir, 'target/deltac-maven-plugin/default.state').isFile()
assert new File(basedir, 'target/deltac-maven-plugin/extra.state').isFile()
return true
