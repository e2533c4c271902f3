def log = new File(basedir, 'build.log').text
assert log.contains('Using the MultiThreadedBuilder') : 'not a parallel build'
assert !log.contains('@threadSafe') && !log.contains('thread-safe') : 'Maven warned about thread safety'
for (m in ['one', 'two']) {
  def cls = 'Net' + m.capitalize()
  assert new File(basedir, "${m}/target/generated-sources/deltac/${m}/${cls}.java").isFile()
  assert new File(basedir, "${m}/target/classes/${m}/${cls}.class").isFile()
}
return true
