"""Second derivatives with nested tapes.

First the book's companion listing with only the import line changed: y = x·w + b is linear
in w, so dy/dw = x = 3, dy/db = 1 and d²y/dw² is None (dy/dw does not depend on w). Then a
function of chapter 7.2 that is not linear, L = x·w² + b²: dL/dw = 2xw, dL/db = 2b,
d²L/dw² = 2x and d²L/db² = 2.
"""
from deltagrad.compat import tf

w = tf.Variable(1.0)
b = tf.Variable(2.0)
x = tf.Variable(3.0)

with tf.GradientTape() as t1:
    with tf.GradientTape() as t2:
        y = x * w + b
    dy_dw, dy_db = t2.gradient(y, [w, b])
d2y_dw2 = t1.gradient(dy_dw, w)

print(dy_dw)
print(dy_db)
print(d2y_dw2)

assert dy_dw.numpy() == 3.0
assert d2y_dw2 is None

with tf.GradientTape(persistent=True) as t1:
    with tf.GradientTape() as t2:
        L = x * w ** 2 + b ** 2
    dL_dw, dL_db = t2.gradient(L, [w, b])
d2L_dw2 = t1.gradient(dL_dw, w)
d2L_db2 = t1.gradient(dL_db, b)

print('dL/dw =', dL_dw.numpy(), 'dL/db =', dL_db.numpy())
print('d2L/dw2 =', d2L_dw2.numpy(), 'd2L/db2 =', d2L_db2.numpy())
