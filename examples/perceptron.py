"""7.5 Gradient of a single-output perceptron (sigmoid + MSE), through the tape.

The book's companion listing with only the import line changed; a seed is set and the random
input printed. With one output MSE is (o − t)², twice the chapter's ½(o − t)², so
∂L/∂w_j = 2(o − t)·o(1 − o)·x_j and ∂L/∂b = 2(o − t)·o(1 − o).
"""
from deltagrad.compat import tf

tf.random.set_seed(11)

x = tf.random.normal([1, 3])

w = tf.ones([3, 1])

b = tf.ones([1])

y = tf.constant([1])


with tf.GradientTape() as tape:

    tape.watch([w, b])
    logits = tf.sigmoid(x @ w + b)
    loss = tf.reduce_mean(tf.losses.MSE(y, logits))

grads = tape.gradient(loss, [w, b])
print('x:', x.numpy())
print('w grad:', grads[0])

print('b grad:', grads[1])
